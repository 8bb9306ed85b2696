import { Injectable } from '@nestjs/common';
import { ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { checkUscc } from '../common/uscc';
import { UsccAllowListService } from './uscc-allowlist.service';

/**
 * A credit code passes when both checks pass, or when it fails only a checksum and an admin
 * has allowed it. Resolved from Nest's container (`useContainer` in bootstrap), so it can ask
 * the allow-list; without the container it applies the checks alone.
 */
@ValidatorConstraint({ name: 'isUscc', async: true })
@Injectable()
export class UsccConstraint implements ValidatorConstraintInterface {
  constructor(private readonly allowList?: UsccAllowListService) {}

  async validate(value: unknown): Promise<boolean> {
    if (typeof value !== 'string') return false;
    const result = checkUscc(value);
    if (result.valid) return true;
    const checksumOnly = result.failure === 'organisation-code' || result.failure === 'check-character';
    return checksumOnly && !!this.allowList && (await this.allowList.isAllowed(result.uscc));
  }

  defaultMessage(args: ValidationArguments): string {
    if (typeof args.value !== 'string') return 'must be a string of 18 characters';
    const result = checkUscc(args.value);
    return result.valid ? 'is not valid' : result.message;
  }
}
